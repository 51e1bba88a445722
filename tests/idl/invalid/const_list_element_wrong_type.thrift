// One element of a list<i32> is a string.
const list<i32> PRIMES = [2, 3, "five", 7]
