# another sender confirms orders 402-0000101-1000001 and 402-0000102-1000001 straight at Amazon
wb_foreign_feed 2 100
