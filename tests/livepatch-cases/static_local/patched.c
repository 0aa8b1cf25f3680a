int z(void) { static int n; return n += 5; }
int a(void) { static int n; return ++n; }
int b(void) { static int n; return n += 2; }
