// A string literal runs to the end of the file.
namespace rs unterminated
const string GREETING = 'hello, world
