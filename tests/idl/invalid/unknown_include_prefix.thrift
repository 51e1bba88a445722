// A qualified name uses a prefix no include introduced.
struct Shipment {
  1: common.Address destination
}
