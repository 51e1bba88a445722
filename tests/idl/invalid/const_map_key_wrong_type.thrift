// The map is declared with i32 keys but given string keys.
const map<i32, string> NAMES = {"one": "uno", "two": "dos"}
