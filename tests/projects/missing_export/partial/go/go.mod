module partial

go 1.20
