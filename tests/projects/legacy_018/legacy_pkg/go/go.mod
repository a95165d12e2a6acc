module legacy

go 1.20
