int g(int x) { return x * 7; }
int f(int x) { return g(x) + 1; }
