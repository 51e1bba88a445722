// `async` is the old spelling of `oneway`: accepted, with a warning.
service Notifier {
  async void notify(1: string message)
}
