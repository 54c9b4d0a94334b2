package main

// adoptCore adds the index writer to package core: core/bloomsimd_indexer.go,
// with names that do not clash with go-ethereum's BloomIndexer.
func (t *tree) adoptCore() {
	const dir = "core"
	for _, name := range []string{"BloomSIMDIndexer", "NewBloomSIMDIndexer"} {
		if where := t.declared(dir, "", name); where != "" && where != "core/bloomsimd_indexer.go" {
			t.fail(where, name, "already declared: the generated core/bloomsimd_indexer.go would clash")
			return
		}
	}
	f := t.parse("core/bloom_indexer.go")
	if f == nil {
		t.fail("core/bloom_indexer.go", "package core", "not found (the index writer joins it)")
		return
	}
	imp := t.packageImports([]*srcFile{f}, "common", "rawdb", "types", "ethdb")
	if imp == nil {
		return
	}
	t.generate("core/bloomsimd_indexer.go", "core", coreFile, imp, "the index writer on index.Writer (NewBloomSIMDIndexer; NewBloomIndexer stays go-ethereum's)")
}
