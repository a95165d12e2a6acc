module example.com/wasmhost

go 1.21
