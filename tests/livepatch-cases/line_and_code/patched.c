#line 1 "fs/example.c" /* both builds compile the same file name, as kbuild does */
/* might_sleep() and WARN pass __FILE__ and __LINE__ to the kernel: a patch that only moves a
 * function changes those constants and nothing else. */
extern void __might_sleep(const char *file, int line);
extern void warn_slowpath_fmt(const char *file, int line, unsigned taint, const char *fmt, ...);
extern void use(int);
#define might_sleep() __might_sleep(__FILE__, __LINE__)
#define WARN_IF(c) do { if (c) warn_slowpath_fmt(__FILE__, __LINE__, 9, "bad %d", c); } while (0)

/* The fix added these lines above f, and nothing in f. */

void f(int x)
{
	might_sleep();
	WARN_IF(x > 200);
	use(x);
}
