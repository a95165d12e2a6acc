module typo

go 1.20
