module benchgo

go 1.23
