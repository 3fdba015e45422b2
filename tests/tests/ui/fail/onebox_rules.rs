// OneBox's rules (`site_id` missing has its own case).
use auth_vendors::OneBox;

fn without_email() {
    let _ = OneBox::credentials().password("p").site_id("1").build();
}

fn without_password() {
    let _ = OneBox::credentials().email("e").site_id("1").build();
}

fn email_twice() {
    let _ = OneBox::credentials().email("e").email("f").password("p").site_id("1").build();
}

fn password_twice() {
    let _ = OneBox::credentials().email("e").password("p").password("q").site_id("1").build();
}

fn site_id_twice() {
    let _ = OneBox::credentials().email("e").password("p").site_id("1").site_id("2").build();
}

fn main() {
    without_email();
    without_password();
    email_twice();
    password_twice();
    site_id_twice();
}
