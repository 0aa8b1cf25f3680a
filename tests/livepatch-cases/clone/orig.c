extern int sink(int);
static __attribute__((noinline)) int scale(int x, int k) { return sink(x * k) + k; }
int use(int x) { return scale(x, 3) + scale(x + 1, 3); }
