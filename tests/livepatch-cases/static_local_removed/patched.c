/* bump() is inlined into f and g, so both refer to its static local `calls`. The fix makes f
 * stop calling it: `calls` survives (g uses it), but f no longer pairs it with the kernel's. */
static inline int bump(void)
{
	static int calls;
	return ++calls;
}

int f(int x)
{
	return x + 42;
}

int g(int x)
{
	return bump() * x;
}
