// The one source of attnscope_test_pch (tests/CMakeLists.txt): the target exists to build the
// tests' shared precompiled header, which every test binary reuses. It has no tests; its main()
// is GoogleTest's.
