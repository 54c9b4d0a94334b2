package cpu

// The test hook that runs the fallback kernels of a level on a CPU that has the
// extensions they stand in for: it clears features in Has.

// MaskForTest clears in Has every feature set in off and returns a function that
// restores Has as it was. It only lowers: a feature this CPU lacks stays off
// whatever off says. It is meant for tests, as
//
//	defer cpu.MaskForTest(cpu.Features{GFNI: true})()
//
// and calling it while other goroutines run kernels is a data race.
func MaskForTest(off Features) (restore func()) {
	prev := Has
	// Clear field by field from a copy: nothing is ever set, and a feature
	// this hook does not know of keeps its detected value.
	if off.GFNI {
		Has.GFNI = false
	}
	if off.VBMI {
		Has.VBMI = false
	}
	if off.VBMI2 {
		Has.VBMI2 = false
	}
	if off.VPOPCNTDQ {
		Has.VPOPCNTDQ = false
	}
	return func() { Has = prev }
}

// Variant is a level run with some of its optional features masked off: the
// kernels a CPU without those features runs.
type Variant struct {
	Level Level
	Off   Features // cleared with MaskForTest; zero for the level as detected
	Name  string   // "avx512", or "avx512/-gfni" with GFNI masked off
}

// optional names each extension of Features, as the Features with only it set.
var optional = []struct {
	name string
	only Features
}{
	{"gfni", Features{GFNI: true}},
	{"vbmi", Features{VBMI: true}},
	{"vbmi2", Features{VBMI2: true}},
	{"vpopcntdq", Features{VPOPCNTDQ: true}},
}

// usedBy reports whether the kernels of level l look at the features of only:
// the AVX-512 level at all of them, the AVX2 level at GFNI (its VEX form).
func usedBy(l Level, only Features) bool {
	switch l {
	case AVX512:
		return true
	case AVX2:
		return only == Features{GFNI: true}
	}
	return false
}

// Variants lists every Supported level, best first, each followed by the level
// with one feature masked off, for every feature its kernels use that this CPU
// has: each fallback kernel inside a level is one variant.
func Variants() []Variant { return variants(Supported(), Has) }

func variants(levels []Level, has Features) []Variant {
	var out []Variant
	for _, l := range levels {
		out = append(out, Variant{Level: l, Name: l.String()})
		for _, o := range optional {
			if usedBy(l, o.only) && covers(has, o.only) {
				out = append(out, Variant{Level: l, Off: o.only, Name: l.String() + "/-" + o.name})
			}
		}
	}
	return out
}

// covers reports whether every feature set in f is set in has.
func covers(has, f Features) bool {
	return (!f.GFNI || has.GFNI) && (!f.VBMI || has.VBMI) &&
		(!f.VBMI2 || has.VBMI2) && (!f.VPOPCNTDQ || has.VPOPCNTDQ)
}

// Select makes v's level active and masks its features off; the returned
// function restores both. Like Set it is meant for tests.
func Select(v Variant) (restore func(), err error) {
	restoreLevel, err := Set(v.Level.String())
	if err != nil {
		return restoreLevel, err
	}
	restoreHas := MaskForTest(v.Off)
	return func() { restoreHas(); restoreLevel() }, nil
}
