module example.com/godeps

go 1.21
