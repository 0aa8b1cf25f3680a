int f(int x) { return x + 1; }
int h(int x) { return x - 1; }
