module plaingo

go 1.20
