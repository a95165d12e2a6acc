module example.com/hellocli

go 1.21
