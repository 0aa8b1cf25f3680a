extern int puts(const char *);
void early(void) { puts("early bird"); }
void hello(void) { puts("hello world"); }
