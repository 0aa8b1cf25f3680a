int a(void) { static int n; return ++n; }
int b(void) { static int n; return n += 2; }
