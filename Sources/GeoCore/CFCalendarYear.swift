extension CFCalendar {
    /// Days in year `y` of this calendar (360, 365 or 366): when a daily series holds a
    /// complete year.
    public func daysInYear(_ y: Int) -> Int { dayNumber(y + 1, 1, 1) - dayNumber(y, 1, 1) }
}
