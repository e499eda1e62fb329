#include <iostream>
int main() { std::cout << "edx\n"; return 0; }
