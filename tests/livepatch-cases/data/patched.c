int table[4] = {1, 2, 3, 5};
int get(int i) { return table[i]; }
