// Two members share one value: allowed (aliases), but often a mistake, so warn.
enum Priority {
  LOW = 1,
  NORMAL = 2,
  DEFAULT = 2,
  HIGH = 3
}
