enum CapturePlaceholder {}
