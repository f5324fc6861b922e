public enum GeoKitVersion {
    public static let string = "0.1.0"
}
