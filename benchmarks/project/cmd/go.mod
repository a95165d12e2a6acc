module benchcli

go 1.21
