import BackdropCore
print("backdrop")
