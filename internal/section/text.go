package section

import "fmt"

// Text names the n sections from first, for error messages: "section 5" or
// "sections 5..8".
func Text(first uint64, n int) string {
	if n == 1 {
		return fmt.Sprintf("section %d", first)
	}
	return fmt.Sprintf("sections %d..%d", first, first+uint64(n)-1)
}
