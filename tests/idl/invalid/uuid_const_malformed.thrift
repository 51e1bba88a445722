// A uuid constant must be 8-4-4-4-12 hexadecimal digits.
const uuid NIL = "not-a-uuid"
