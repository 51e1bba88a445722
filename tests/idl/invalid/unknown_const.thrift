// A constant refers to another constant that does not exist.
const i32 PAGE_SIZE = 50
const i32 MAX_PAGE = PAGE_SIZ
