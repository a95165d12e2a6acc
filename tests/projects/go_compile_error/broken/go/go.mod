module broken

go 1.20
