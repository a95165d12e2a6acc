module newer_api

go 1.20
