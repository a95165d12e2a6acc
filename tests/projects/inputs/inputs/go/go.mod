module example.com/inputs

go 1.21

require example.com/dep v0.0.0

replace example.com/dep => ../../dep
