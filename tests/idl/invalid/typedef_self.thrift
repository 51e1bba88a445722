// A typedef names itself.
typedef Loop Loop
