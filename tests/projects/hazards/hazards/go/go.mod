module hazards

go 1.20
