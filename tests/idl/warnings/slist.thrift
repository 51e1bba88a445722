// slist is a deprecated name for string: idlc accepts it with a warning.
struct Note {
  1: slist text
}
