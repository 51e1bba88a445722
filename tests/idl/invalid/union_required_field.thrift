// A union sets exactly one field, so no field of it can be required.
union Contact {
  1: string email
  2: required string phone
}
