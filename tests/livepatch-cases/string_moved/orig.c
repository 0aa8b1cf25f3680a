extern int puts(const char *);
void hello(void) { puts("hello world"); }
