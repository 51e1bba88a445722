// `\d` is no escape the IDL knows.
const string PATTERN = "\d+"
