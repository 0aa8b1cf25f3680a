__attribute__((no_instrument_function)) int raw(int x) { return x + 1; }
