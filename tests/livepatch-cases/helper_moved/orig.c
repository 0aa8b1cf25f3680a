extern int sink(int);
static __attribute__((noinline)) int helper(int x) { return sink(x) * 5; }
int caller(int x) { return helper(x) + 1; }
int other(int x) { return x + 2; }
