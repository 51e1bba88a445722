// Written in Latin-1, as some old IDLs are: café (0xE9 is not UTF-8 on its own).
struct Menu {
  1: string item
}
