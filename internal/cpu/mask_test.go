package cpu

import (
	"slices"
	"testing"
)

// features returns the Features whose bits are set in i: all 16 combinations.
func features(i int) Features {
	return Features{GFNI: i&1 != 0, VBMI: i&2 != 0, VBMI2: i&4 != 0, VPOPCNTDQ: i&8 != 0}
}

// Every mask, from every starting set of features (also ones this CPU lacks, as
// a pretended CPU): the result has exactly the features of the start not in off,
// and restore brings the start back.
func TestMaskForTestOnlyLowers(t *testing.T) {
	detected := Has
	defer func() { Has = detected }()
	for s := range 16 {
		for o := range 16 {
			start, off := features(s), features(o)
			Has = start
			restore := MaskForTest(off)
			if want := features(s &^ o); Has != want {
				t.Fatalf("MaskForTest(%+v) on %+v = %+v, want %+v", off, start, Has, want)
			}
			restore()
			if Has != start {
				t.Fatalf("restore left %+v, want %+v", Has, start)
			}
		}
	}
}

// without returns f with the features of off cleared.
func without(f, off Features) Features {
	f.GFNI = f.GFNI && !off.GFNI
	f.VBMI = f.VBMI && !off.VBMI
	f.VBMI2 = f.VBMI2 && !off.VBMI2
	f.VPOPCNTDQ = f.VPOPCNTDQ && !off.VPOPCNTDQ
	return f
}

func variantNames(vs []Variant) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

// The variants of pretended CPUs: one masked variant per feature a level's
// kernels use and the CPU has.
func TestVariantsOfCPUs(t *testing.T) {
	all := features(15)
	cases := []struct {
		levels []Level
		has    Features
		want   []string
	}{
		{[]Level{AVX512, AVX2, Generic}, all, []string{
			"avx512", "avx512/-gfni", "avx512/-vbmi", "avx512/-vbmi2", "avx512/-vpopcntdq",
			"avx2", "avx2/-gfni", "generic"}},
		{[]Level{AVX512, AVX2, Generic}, Features{VPOPCNTDQ: true}, []string{"avx512", "avx512/-vpopcntdq", "avx2", "generic"}},
		{[]Level{AVX2, Generic}, Features{GFNI: true}, []string{"avx2", "avx2/-gfni", "generic"}},
		{[]Level{AVX2, Generic}, Features{}, []string{"avx2", "generic"}},
		{[]Level{NEON, Generic}, Features{}, []string{"neon", "generic"}},
		{[]Level{Generic}, Features{}, []string{"generic"}},
	}
	for _, c := range cases {
		got := variants(c.levels, c.has)
		if !slices.Equal(variantNames(got), c.want) {
			t.Fatalf("variants(%v, %+v) = %v, want %v", c.levels, c.has, variantNames(got), c.want)
		}
		for _, v := range got {
			if n := v.Off; n != (Features{}) && !covers(c.has, n) {
				t.Fatalf("variant %s masks %+v, which the CPU lacks", v.Name, n)
			}
		}
	}
}

// Select runs each variant of this CPU: its level active, its feature off, and
// restore brings back both.
func TestSelectVariants(t *testing.T) {
	vs := Variants()
	var levels []Level
	for _, v := range vs {
		if v.Off == (Features{}) {
			levels = append(levels, v.Level)
		}
		prevActive, prevHas := Active, Has
		restore, err := Select(v)
		if err != nil {
			t.Fatalf("Select(%s): %v", v.Name, err)
		}
		want := without(prevHas, v.Off)
		if Active != v.Level || Has != want {
			t.Fatalf("Select(%s): active %v, features %+v; want %v, %+v", v.Name, Active, Has, v.Level, want)
		}
		restore()
		if Active != prevActive || Has != prevHas {
			t.Fatalf("Select(%s) restore: active %v, features %+v", v.Name, Active, Has)
		}
	}
	if !slices.Equal(levels, Supported()) {
		t.Fatalf("variants %v do not cover the levels %v", variantNames(vs), Supported())
	}
	t.Logf("variants on this CPU: %v", variantNames(vs))
}
