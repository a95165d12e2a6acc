module legacytoml

go 1.20
