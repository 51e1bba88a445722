/** Windows line endings, tab indentation and no newline at the end of the file. */

namespace rs realworld.crlf

struct Crlf {
	1: i32 a
	2: string b = "tab\there"
}

service CrlfService {
	Crlf get(1: i32 id)
}