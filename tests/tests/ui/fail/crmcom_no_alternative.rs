use auth_runtime::vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials().organisation("CRMDEMO").build();
}
