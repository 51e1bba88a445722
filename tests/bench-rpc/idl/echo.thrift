// The service every server in this benchmark implements: the reply is the request's payload.
service Echo {
  binary echo(1: binary payload)
}
