enum InspectPlaceholder {}
