module typed

go 1.21
