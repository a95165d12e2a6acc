module cgotool

go 1.21
